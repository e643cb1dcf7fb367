/**
 * Build step (a Vite plugin, dashboard/vite.config.ts): writes `device.html`, the app shell the
 * API sends for `/devices/<id>` (api/static.ts). It is index.html plus a modulepreload of the
 * device page's chunk and every chunk it imports (Chart.js among them) and their stylesheets, so
 * a device page opened by URL fetches them alongside the entry script instead of after it has
 * run (issue 18). The overview keeps the plain index.html and its small first view.
 */
import type { Plugin } from 'vite';

export const DEVICE_SHELL = 'device.html';
const DEVICE_PAGE = /\/pages\/DevicePage\.svelte$/;

/** What this step reads of a chunk of the bundle (Rolldown's OutputChunk, with Vite's metadata). */
export interface ChunkInfo {
  readonly type: 'chunk';
  readonly fileName: string;
  readonly facadeModuleId: string | null;
  readonly isEntry: boolean;
  readonly imports: readonly string[];
  readonly viteMetadata?: { readonly importedCss: ReadonlySet<string> } | undefined;
}

type BundleItem = ChunkInfo | { readonly type: 'asset' };

/** The device page's chunk and the chunks it imports statically, in load order, with their CSS. */
export function devicePageFiles(bundle: Readonly<Record<string, BundleItem>>): { scripts: string[]; styles: string[] } {
  const chunks = new Map<string, ChunkInfo>();
  for (const item of Object.values(bundle)) if (item.type === 'chunk') chunks.set(item.fileName, item);
  const page = [...chunks.values()].find((c) => c.facadeModuleId !== null && DEVICE_PAGE.test(c.facadeModuleId));
  if (!page) return { scripts: [], styles: [] };
  // What index.html loads already (the entry and its imports) is not preloaded again.
  const entry = new Set<string>();
  for (const c of chunks.values()) if (c.isEntry) for (const name of [c.fileName, ...c.imports]) entry.add(name);
  const scripts: string[] = [];
  const styles = new Set<string>();
  const visit = (chunk: ChunkInfo) => {
    if (scripts.includes(chunk.fileName) || entry.has(chunk.fileName)) return;
    scripts.push(chunk.fileName);
    for (const css of chunk.viteMetadata?.importedCss ?? []) styles.add(css);
    for (const name of chunk.imports) {
      const dep = chunks.get(name);
      if (dep) visit(dep);
    }
  };
  visit(page);
  return { scripts, styles: [...styles] };
}

/** index.html with the preloads before `</head>`. */
export function deviceShellHtml(indexHtml: string, base: string, files: { scripts: string[]; styles: string[] }): string {
  const links = [
    ...files.styles.map((f) => `    <link rel="stylesheet" crossorigin href="${base}${f}">`),
    ...files.scripts.map((f) => `    <link rel="modulepreload" crossorigin href="${base}${f}">`),
  ];
  return indexHtml.replace('</head>', `${links.join('\n')}\n  </head>`);
}

export function deviceShell(): Plugin {
  let base = '/';
  return {
    name: 'vigil-device-shell',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    // After Vite's HTML plugin has written index.html into the bundle.
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const index = bundle['index.html'];
        if (index?.type !== 'asset') this.error('device-shell: the build has no index.html');
        const files = devicePageFiles(bundle);
        if (files.scripts.length === 0) this.error('device-shell: no chunk for pages/DevicePage.svelte in the build');
        this.emitFile({ type: 'asset', fileName: DEVICE_SHELL, source: deviceShellHtml(String(index.source), base, files) });
      },
    },
  };
}
