/**
 * Framewise in a Jakarta EE application: a CDI producer of an application-wide, configured
 * {@link io.framewise.VideoDetector} ({@link io.framewise.jakarta.FramewiseProducer}), closed when the
 * application stops and replaceable by the application's own producer; its settings
 * ({@link io.framewise.jakarta.FramewiseConfig}), read through MicroProfile Config where the runtime
 * has it; and {@link io.framewise.jakarta.FramewiseJobs}, which starts jobs with the configured model
 * and options. See {@code docs/jakarta.md}.
 */
@NullMarked
package io.framewise.jakarta;

import org.jspecify.annotations.NullMarked;
