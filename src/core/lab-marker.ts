/**
 * The key a mutiny lab writes into its own etcd at `lab up`. Writers (inject, restore) refuse an etcd without
 * it unless the user passes --allow-foreign-cluster, so a mistyped endpoint never corrupts a real cluster.
 */
export const LAB_MARKER_KEY = '/mutiny/lab';
