import Fastify from 'fastify';
import type { ProductContext } from '../product-api.js';
import { PRODUCT_APIS } from '../products.js';

/** One API route the emulator serves: `GET conversations.twilio.com /v1/Conversations/:conversation`. */
export interface ServedRoute {
  host: string;
  method: string;
  /** The route in fastify's form, `:name` for a parameter. */
  url: string;
}

/** Every API route of every product, read from the products' route registrations. */
export async function servedRoutes(): Promise<ServedRoute[]> {
  const routes: ServedRoute[] = [];
  const app = Fastify({ logger: false });
  // The handlers never run: registering a route reads no more of the context than its shape.
  const context = { legacyChat: {} } as ProductContext;
  for (const product of PRODUCT_APIS) {
    await app.register(
      async (scoped) => {
        scoped.addHook('onRoute', (route) => {
          for (const method of [route.method].flat()) {
            if (method !== 'HEAD') routes.push({ host: product.host, method, url: route.url.slice(product.host.length + 1) });
          }
        });
        product.routes(scoped, context);
      },
      { prefix: `/${product.host}` },
    );
  }
  await app.ready();
  await app.close();
  return routes;
}
