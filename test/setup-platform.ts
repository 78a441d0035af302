// Every test runs on Node's platform (lib/node/platform.ts), as the library's Node entry points do,
// whichever part of lib/ it imports.
import '../lib/node/platform';
