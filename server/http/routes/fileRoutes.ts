/**
 * Serves objects of the local storage driver through signed links, with
 * Range support and caching headers. (With S3, links point at S3 or the CDN.)
 */
import type { Request, Response } from 'express';
import { AppError } from '../../errors.ts';
import { verifySignedPath } from '../../../core/storage/signedUrl.ts';
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';
import { serveObject } from '../serveObject.ts';

export function registerFileRoutes(r: RouteRegistry, deps: AppDeps): void {
  r.raw({
    method: 'get',
    path: '/files/*key',
    produces: ['application/octet-stream'],
    tag: 'storage',
    summary: 'Download a stored object through a signed link (?exp=&sig=), with Range support',
    auth: 'public',
    async handler({ req, res, rest }) {
      await serveSigned(req, res, deps, rest);
    },
  });
}

async function serveSigned(req: Request, res: Response, deps: AppDeps, key: string): Promise<void> {
  const { exp, sig } = req.query;
  const verdict = verifySignedPath(
    deps.urlSigningKey,
    key,
    typeof exp === 'string' ? exp : undefined,
    typeof sig === 'string' ? sig : undefined,
  );
  if (verdict === 'expired')
    throw new AppError(
      'AUTH_TOKEN_EXPIRED',
      'This download link has expired. Reload the page to get a new one.',
    );
  if (verdict !== 'ok')
    throw new AppError(
      'FORBIDDEN_SCOPE',
      'This download link is not valid. Open the file from Skyclass to get a working link.',
    );
  // Signed links are per-user: browsers may cache, shared caches must not.
  await serveObject(req, res, deps.storage, key, 'private, max-age=3600');
}
