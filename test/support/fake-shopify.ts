import { MockAgent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from "undici";
import { afterEach, beforeEach } from "vitest";

/**
 * Shopify's Admin API faked at the network edge: undici's MockAgent becomes the global dispatcher,
 * which Node's fetch (and so the Shopify library's abstractFetch) uses. Real connections are
 * refused, so a test also proves that nothing else (a token exchange) went to the network.
 */
export function useFakeShopify(): { agent: () => MockAgent } {
  let agent: MockAgent | undefined;
  let previous: Dispatcher | undefined;
  beforeEach(() => {
    previous = getGlobalDispatcher();
    agent = new MockAgent();
    agent.disableNetConnect();
    setGlobalDispatcher(agent);
  });
  afterEach(async () => {
    if (previous) setGlobalDispatcher(previous);
    await agent?.close();
  });
  return {
    agent: () => {
      if (!agent) throw new Error("useFakeShopify's agent is used outside a test.");
      return agent;
    },
  };
}
