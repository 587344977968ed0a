import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temporary folder, short enough for unix socket paths (< 108 bytes). */
export function tmpDir(prefix = 'sky'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}
