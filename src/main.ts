/**
 * The page's first code. It starts the inference worker, onnxruntime's WebAssembly (14 MB to fetch and
 * compile, the longest step before the first heatmap) and the load of the bundled model the app will open,
 * while the app's own code is fetched and evaluated.
 */
import { startEarly } from './state/page-models';
import './app.css';

// first: the app's start reads the same manifest, and its first load takes over the one started here
void startEarly(new URL('./', document.baseURI).href);
void import('./app-main');
