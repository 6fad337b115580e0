/**
 * The frame pipeline shared by every run: decoded frames through the model in batches, on inference
 * threads when there are several, with progress, cancellation and the job's error log.
 * Internal to the module: not exported.
 */
@NullMarked
package io.framewise.core.pipeline;

import org.jspecify.annotations.NullMarked;
