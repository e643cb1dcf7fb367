// Read by both the Vite plugin and svelte-check.
export default {
  compilerOptions: { runes: true },
};
