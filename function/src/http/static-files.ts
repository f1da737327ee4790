import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';

const WEB_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/camera.js': { file: 'camera.js', type: 'text/javascript; charset=utf-8' },
  '/label-layout.js': { file: 'label-layout.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

export interface StaticFiles {
  /** Sends the file for `path` and returns true, or returns false when `path` is not a web file. */
  serve(path: string, res: ServerResponse): boolean;
}

/** The web tester's files, read once at start (a fixed list: no path traversal possible). */
export function loadStaticFiles(webRoot: string): StaticFiles {
  const contents = new Map(
    Object.entries(WEB_FILES).map(([path, { file, type }]) => [
      path,
      { body: readFileSync(join(webRoot, file)), type },
    ]),
  );
  return {
    serve(path, res) {
      const entry = contents.get(path);
      if (entry === undefined) return false;
      res.writeHead(200, {
        'content-type': entry.type,
        'content-length': entry.body.length,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      res.end(entry.body);
      return true;
    },
  };
}
