/**
 * Framewise: object detection over whole videos, streamed as one JSON document.
 *
 * <p>Start at {@link io.framewise.VideoDetector}. Value types ({@link io.framewise.Detection},
 * {@link io.framewise.FrameDetections}, ...) are immutable records; every failure is a subtype of
 * {@link io.framewise.VideoDetectorException}.
 */
@NullMarked
package io.framewise;

import org.jspecify.annotations.NullMarked;
