// Builds the tiny app against the package in pkg/ (as `cognate-identity`).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  resolve: { alias: { 'cognate-identity': fileURLToPath(new URL('../../pkg/index.js', import.meta.url)) } },
  build: { outDir: fileURLToPath(new URL('../../target/vite-app', import.meta.url)), emptyOutDir: true },
});
