/**
 * FFmpeg through JavaCV: opening inputs safely (protocol and format allow-lists), the index pass that
 * plans keyframe-aligned segments, and the decoder that yields frames with exact 0-based ids.
 * Internal to the module: not exported.
 */
@NullMarked
package io.framewise.core.ffmpeg;

import org.jspecify.annotations.NullMarked;
