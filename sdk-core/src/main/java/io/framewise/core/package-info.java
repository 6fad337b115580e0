/**
 * Framewise's default engine, FFmpeg decoder and streaming JSON writer. The public classes here are
 * the named defaults, registered with {@link java.util.ServiceLoader}; pass them explicitly to a
 * {@code VideoDetector.Builder} to skip discovery.
 */
@NullMarked
package io.framewise.core;

import org.jspecify.annotations.NullMarked;
