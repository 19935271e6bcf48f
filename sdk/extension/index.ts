/**
 * The extension SDK: write an extension in TypeScript with `defineExtension`, export it as the
 * module's default, and build it into a component with `scripts/build-extension.mjs`. This
 * module runs only inside the guest; it imports the host interface, which Node does not have.
 */
export { defineExtension, type ExtensionDefinition } from './define-extension.js';
export { host, type ExtensionHostApi } from './extension-host-api.js';
