/**
 * Something that keeps data under a namespace or pipeline outside the state store (objects,
 * secrets) and deletes it when the registries delete the namespace or pipeline. The registries
 * call it after cancelling runs and before deleting the state, so a failed clean-up leaves the
 * namespace or pipeline in place to delete again, never data without an owner.
 */
export interface ScopeCleanup {
  deleteScope(prefix: { namespace: string; pipeline?: string }): Promise<void>;
}
