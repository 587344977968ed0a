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
  r.add({
    method: 'get',
    path: '/files/*key',
    tag: 'storage',
    summary: 'Download a stored object through a signed link (?exp=&sig=), with Range support',
    auth: 'public',
    async handler({ req, res }) {
      await serveSigned(req, res, deps);
      return undefined;
    },
  });
}

async function serveSigned(req: Request, res: Response, deps: AppDeps): Promise<void> {
  const raw = (req.params as unknown as { key: string[] }).key;
  const key = Array.isArray(raw) ? raw.join('/') : String(raw);
  const q = req.query as Record<string, string | undefined>;
  const verdict = verifySignedPath(deps.urlSigningKey, key, q.exp, q.sig);
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
