import { describe, expect, it } from 'vitest';
import { type ChunkInfo, devicePageFiles, deviceShellHtml } from '../../../dashboard/device-shell.ts';

const chunk = (fileName: string, imports: string[], extra: Partial<ChunkInfo> = {}): ChunkInfo => ({
  type: 'chunk',
  fileName,
  facadeModuleId: null,
  isEntry: false,
  imports,
  ...extra,
});

describe('device shell', () => {
  const bundle = {
    'assets/index.js': chunk('assets/index.js', ['assets/shared.js'], { isEntry: true, facadeModuleId: '/d/src/main.ts' }),
    'assets/shared.js': chunk('assets/shared.js', []),
    'assets/DevicePage.js': chunk('assets/DevicePage.js', ['assets/shared.js', 'assets/charts.js'], {
      facadeModuleId: '/d/src/pages/DevicePage.svelte',
      viteMetadata: { importedCss: new Set(['assets/DevicePage.css']) },
    }),
    'assets/charts.js': chunk('assets/charts.js', ['assets/runtime.js'], { viteMetadata: { importedCss: new Set(['assets/charts.css']) } }),
    'assets/runtime.js': chunk('assets/runtime.js', []),
    'assets/RulesPage.js': chunk('assets/RulesPage.js', ['assets/charts.js'], { facadeModuleId: '/d/src/pages/RulesPage.svelte' }),
    'index.html': { type: 'asset' as const },
  };

  it('preloads the device page’s chunk and what it imports, not what the entry loads already nor other pages', () => {
    expect(devicePageFiles(bundle)).toEqual({
      scripts: ['assets/DevicePage.js', 'assets/charts.js', 'assets/runtime.js'],
      styles: ['assets/DevicePage.css', 'assets/charts.css'],
    });
  });

  it('puts the links in the head of index.html', () => {
    const html = deviceShellHtml('<html><head><title>Vigil</title></head><body></body></html>', '/', {
      scripts: ['assets/a.js'],
      styles: ['assets/a.css'],
    });
    expect(html).toBe(
      '<html><head><title>Vigil</title>    <link rel="stylesheet" crossorigin href="/assets/a.css">\n    <link rel="modulepreload" crossorigin href="/assets/a.js">\n  </head><body></body></html>',
    );
  });
});
