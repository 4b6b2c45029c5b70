/**
 * The names of classes: {@code labels.tsv} ({@code label<TAB>name} per line), read with every entry checked, extended
 * without renumbering, and compared across the stages a map travels through (data directory, checkpoint, bundle).
 * Depends on {@code io} only, so data, checkpoint, eval and serve can all use it.
 */
package org.plscj.labels;
