/** Views routed by the URL hash: #/playground (default), #/compare, #/curves, #/shannon. */
export const ROUTES = ['playground', 'compare', 'curves', 'shannon'] as const;
export type Route = (typeof ROUTES)[number];

/**
 * The view a hash names; anything unknown opens the playground.
 * @example currentRoute('#/compare?x=1') // 'compare'
 */
export function currentRoute(hash: string): Route {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : 'playground';
}
