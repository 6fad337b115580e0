/**
 * Segment results: the {@link io.framewise.core.store.ResultStore} (put if absent, by job and segment),
 * its directory implementation, the self-checking spill file of one segment, and the checkpoint
 * directory that keeps them across runs. Exported for runners outside this module; internal API.
 */
@NullMarked
package io.framewise.core.store;

import org.jspecify.annotations.NullMarked;
