/** Renders infra/nginx/lb.conf.template (see render.mjs). */
export function renderLb(o: { prefix: string; listen: string; apis: string[]; user?: string }): string;
