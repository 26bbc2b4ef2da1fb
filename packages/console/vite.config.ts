import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The bundle is served by the API server at / (packages/api/src/routes/console); `npm run dev -w @fundguard/console`
// proxies the API to a server on :8080.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000, reportCompressedSize: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
