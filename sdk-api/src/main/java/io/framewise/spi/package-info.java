/**
 * Extension points: decoders, model adapters, result writers and the engine that runs a job.
 *
 * <p>Each extension point is a pair: a cheap, stateless, thread-safe {@code *Provider} with a no-arg
 * constructor, registered in {@code META-INF/services}, and a per-job worker it opens, which is
 * {@link java.lang.AutoCloseable} and confined to one thread. A provider is chosen by, in order: an
 * instance given on the job; a name in the system property {@code framewise.<point>} or the
 * environment variable {@code FRAMEWISE_<POINT>}; the available provider with the highest
 * {@code priority()} found by {@link java.util.ServiceLoader}. See {@code docs/spi.md}.
 */
@NullMarked
package io.framewise.spi;

import org.jspecify.annotations.NullMarked;
