import { HOMEWORK_UPLOAD_PATH } from '../homework/homeworkUploads.ts';
import { registerHomeworkRoutes } from './routes/homeworkRoutes.ts';
import { registerFamilyRoutes } from './routes/familyRoutes.ts';
import { registerMaterialRoutes } from './routes/materialRoutes.ts';
import fs from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../errors.ts';
import { toAppError } from '../errorMapping.ts';
import type { AppDeps } from './AppDeps.ts';
import { makeAuthenticate } from './authenticate.ts';
import { RouteRegistry } from './RouteRegistry.ts';
import { registerAuthRoutes } from './routes/authRoutes.ts';
import { registerDistrictRoutes } from './routes/districtRoutes.ts';
import { registerFileRoutes } from './routes/fileRoutes.ts';
import { registerSystemRoutes } from './routes/systemRoutes.ts';
import { registerLessonRoutes } from './routes/lessonRoutes.ts';
import { registerLiveRoutes } from './routes/liveRoutes.ts';
import { registerTimetableRoutes } from './routes/timetableRoutes.ts';
import { registerChannelRoutes } from './routes/channelRoutes.ts';
import { registerPresenceRoutes } from './routes/presenceRoutes.ts';
import { registerDutyRoutes } from './routes/dutyRoutes.ts';
import { registerSupervisionRoutes } from './routes/supervisionRoutes.ts';
import { registerStaffRoutes } from './routes/staffRoutes.ts';
import { registerHlsRoutes } from './routes/hlsRoutes.ts';
import { UPLOAD_PATH, uploadHandler } from './uploads.ts';
import { SECURITY_HEADERS } from './securityHeaders.ts';

export function createRegistry(deps: AppDeps): RouteRegistry {
  const registry = new RouteRegistry({ responseCheck: deps.responseCheck, logger: deps.logger });
  registerSystemRoutes(registry, deps);
  registerAuthRoutes(registry, deps);
  registerDistrictRoutes(registry, deps);
  registerFileRoutes(registry, deps);
  registerLessonRoutes(registry, deps);
  registerLiveRoutes(registry, deps);
  registerTimetableRoutes(registry, deps);
  registerChannelRoutes(registry, deps);
  registerPresenceRoutes(registry, deps);
  registerDutyRoutes(registry, deps);
  registerSupervisionRoutes(registry, deps);
  registerStaffRoutes(registry, deps);
  registerHlsRoutes(registry, deps);
  registerHomeworkRoutes(registry, deps);
  registerFamilyRoutes(registry, deps);
  registerMaterialRoutes(registry, deps);
  return registry;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
  app.set('etag', false);

  app.use((req, res, next) => {
    const end = deps.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route =
        (req.route?.path as string | undefined) ??
        (res.statusCode === 404 ? 'unmatched' : req.path.split('/').slice(0, 3).join('/'));
      end({ method: req.method, route, status: String(res.statusCode) });
      deps.requestStats.count(res.statusCode);
    });
    res.set(SECURITY_HEADERS);
    if (deps.hsts) res.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  });

  // tus uploads read the raw request stream: mounted before any body parser.
  const tus = uploadHandler(deps.uploads);
  app.all(UPLOAD_PATH, tus);
  app.all(`${UPLOAD_PATH}/*id`, tus);
  const homeworkTus = uploadHandler(deps.homeworkUploads);
  app.all(HOMEWORK_UPLOAD_PATH, homeworkTus);
  app.all(`${HOMEWORK_UPLOAD_PATH}/*id`, homeworkTus);

  app.use('/api', express.json({ limit: '100kb' }));
  app.use(
    '/api',
    express.raw({
      type: ['text/csv', 'application/csv', 'text/plain', 'text/vtt', 'application/x-subrip'],
      limit: '1mb',
    }),
  );

  const registry = createRegistry(deps);
  const router = express.Router();
  registry.mount(router, makeAuthenticate(deps));
  app.use(router);

  app.use('/api', (req, _res, next) =>
    next(new AppError('NOT_FOUND', `No API route ${req.method} ${req.path}. See /api/openapi.json.`)),
  );

  // The web app: hashed assets cached for a year, index.html never.
  const dist = path.resolve(deps.webDistDir);
  const indexHtml = path.join(dist, 'index.html');
  app.use(
    '/assets',
    express.static(path.join(dist, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }),
  );
  app.use(express.static(dist, { index: false, maxAge: 0 }));
  app.get(/^\/(?!api\/|files\/|vod\/|socket\.io\/).*/, (_req, res) => {
    if (!fs.existsSync(indexHtml)) {
      res
        .status(503)
        .type('text/plain')
        .send('The web app is not built yet. Run "npm run build" (or "npm run setup") and reload.');
      return;
    }
    res.set('Cache-Control', 'no-cache').sendFile(indexHtml);
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let e = toAppError(err);
    // (req.destroyed alone says nothing: a request whose body was read is destroyed too.)
    if (
      !e &&
      ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' ||
        res.destroyed ||
        req.socket.destroyed)
    ) {
      // The player went away mid-download (seeking, switching quality, closing the tab): not a fault.
      deps.logger.debug({ url: req.originalUrl }, 'client closed the connection');
      if (!res.headersSent) res.end();
      return;
    }
    if (!e) {
      deps.logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
      e = new AppError('INTERNAL', 'Something went wrong on our side. It has been logged; please try again.');
    }
    if (e.status >= 500 && e.code !== 'INTERNAL')
      deps.logger.warn({ code: e.code, url: req.originalUrl }, e.message);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (e.retryAfterSec !== undefined) res.set('Retry-After', String(e.retryAfterSec));
    res.status(e.status).json(e.toJSON());
  });
  return app;
}
