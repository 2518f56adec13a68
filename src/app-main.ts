/**
 * The app itself, fetched by src/main.ts once the inference worker is on its way: the state starts
 * (manifest, then the model), then the first render.
 */
import { mount } from 'svelte';
import App from './App.svelte';
import { app as state } from './state/app-state.svelte';

// the model and the runtime start loading before the first render, not after it
void state.start();

export const app = mount(App, { target: document.getElementById('app')! });
