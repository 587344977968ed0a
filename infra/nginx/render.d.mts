/** Renders infra/nginx/lb.conf.template with hls_cache.conf (see render.mjs). */
export function renderLb(o: {
  prefix: string;
  listen: string;
  apis: string[];
  user?: string;
  /** The HLS cache's bound on disk (nginx size, default 10g). */
  cacheSize?: string;
  /** An access log file (format "skyclass": no cookies, with the cache status), or off (default). */
  accessLog?: string;
  /** Where the access answers are cached (default PREFIX/auth_cache; a tmpfs folder is faster). */
  authCacheDir?: string;
  /** false: the load balancer alone, no HLS cache locations (default true). */
  hlsCache?: boolean;
}): string;
