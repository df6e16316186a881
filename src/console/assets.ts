/**
 * Where the console's templates and static files are: in the source tree
 * (src/console/views, src/console/public), next to the compiled code's
 * package, and the chart library from node_modules. Nothing is fetched from
 * the internet: every script, style and font is served by custos.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/console/assets.js and src/console/assets.ts are both two levels below the package root. */
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

export const VIEWS_DIR = `${packageRoot}src/console/views`;
export const PUBLIC_DIR = `${packageRoot}src/console/public`;
export const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
