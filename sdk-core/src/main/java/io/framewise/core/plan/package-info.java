/**
 * Planning a job before it runs: the memory budget (workers, batch, window of segments in flight) and
 * the cache of video indexes.
 * Internal to the module: not exported.
 */
@NullMarked
package io.framewise.core.plan;

import org.jspecify.annotations.NullMarked;
