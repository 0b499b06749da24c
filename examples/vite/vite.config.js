// Vite's dev server pre-bundles dependencies into node_modules/.vite/, away from
// the worker script and .wasm files that gradlens finds next to its modules:
// serve gradlens as it is. (A build needs nothing: it emits those files.)
export default { optimizeDeps: { exclude: ['gradlens'] } };
