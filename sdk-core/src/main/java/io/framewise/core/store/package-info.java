/**
 * Segment results on disk: the self-checking spill file of one segment, and the checkpoint directory
 * that keeps them across runs.
 * Internal to the module: not exported.
 */
@NullMarked
package io.framewise.core.store;

import org.jspecify.annotations.NullMarked;
