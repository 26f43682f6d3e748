// Worker thread bootstrap: registers the TypeScript loader (tsx) in this thread, as bin/pagelab.mjs does for the main one, then runs worker-main.ts.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
