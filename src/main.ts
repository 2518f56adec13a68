import { mount } from 'svelte';
import App from './App.svelte';
import { app as state } from './state/app-state.svelte';
import './app.css';

// the model and the runtime start loading before the first render, not after it
void state.start();

const app = mount(App, { target: document.getElementById('app')! });

export default app;
