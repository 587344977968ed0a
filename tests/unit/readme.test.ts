import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../server/config.ts';
import { ERROR_CATALOGUE } from '../../server/errors.ts';

const readme = fs.readFileSync('README.md', 'utf8');

describe('README stays in step with the code', () => {
  it('documents every setting', () => {
    for (const key of Object.keys(SETTINGS))
      expect(readme, key).toMatch(new RegExp(`\\|\\s*\`${key}\`\\s*\\|`));
  });

  it('documents every error code', () => {
    for (const code of Object.keys(ERROR_CATALOGUE)) expect(readme, code).toContain(`\`${code}\``);
  });

  it('has the two-command quick start that .ci/run uses', () => {
    expect(readme).toContain('npm run setup && npm start');
    expect(fs.readFileSync('.ci/run', 'utf8')).toMatch(/^npm test$/m);
  });
});
