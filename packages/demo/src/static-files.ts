import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

const PUBLIC_DIR = new URL('./public/', import.meta.url);

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
  /** What the 📷 buttons send: a tiny picture, so a photo can go both ways without picking a file. */
  '/sample-photo.png': { file: 'sample-photo.png', type: 'image/png' },
};

/** The page, served as-is from public/ (no build step); read on each request, so an edit shows on reload. */
export function registerStaticFiles(app: FastifyInstance): void {
  for (const [path, { file, type }] of Object.entries(FILES)) {
    app.get(path, async (_request, reply) => {
      const body = await readFile(new URL(file, PUBLIC_DIR));
      return reply.type(type).header('cache-control', 'no-cache').send(body);
    });
  }
}
