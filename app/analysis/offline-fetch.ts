/**
 * The typed entry point of the offline fetch (implementation in offline-fetch.mjs, plain JavaScript
 * so the landmark worker thread can import it without a build step). See that file for the rules:
 * file:// URLs and absolute paths are read from disk; anything else throws NetworkForbiddenError.
 */
export {
  NetworkForbiddenError,
  OfflineFetchPathError,
  createOfflineFetch,
  localPathOf,
  offlineFetch,
  type OfflineFetchOptions,
} from "./offline-fetch.mjs";
