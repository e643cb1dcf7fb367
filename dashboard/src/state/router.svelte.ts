import { matchRoute, type Route } from '../lib/routes.ts';

/**
 * History routing: the API serves index.html for unknown paths, so /devices/:id is a real,
 * shareable URL. Same-origin link clicks are taken over here instead of reloading the page.
 */
export class Router {
  path = $state(location.pathname);
  search = $state(location.search);
  readonly route: Route = $derived(matchRoute(this.path));
  readonly query: URLSearchParams = $derived(new URLSearchParams(this.search));

  start(): () => void {
    const onPop = () => this.#sync();
    const onClick = (event: MouseEvent) => this.#onClick(event);
    window.addEventListener('popstate', onPop);
    document.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    };
  }

  go(href: string, options: { replace?: boolean } = {}): void {
    const url = new URL(href, location.href);
    const samePage = url.pathname === location.pathname;
    if (options.replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    this.#sync();
    if (!samePage) window.scrollTo(0, 0);
  }

  #sync(): void {
    this.path = location.pathname;
    this.search = location.search;
  }

  #onClick(event: MouseEvent): void {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = event.target instanceof Element ? event.target.closest('a') : null;
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname === '/metrics') return;
    event.preventDefault();
    // Switching ranges on the same page should not pile up history entries.
    this.go(url.href, { replace: url.pathname === location.pathname });
  }
}
