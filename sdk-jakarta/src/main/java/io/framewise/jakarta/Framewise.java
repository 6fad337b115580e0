package io.framewise.jakarta;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import jakarta.inject.Qualifier;
import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * Marks a bean that an application gives Framewise's producer: a {@code ThreadFactory} or an
 * {@code Executor} the detector's work runs on, in place of the container's default managed thread
 * factory.
 *
 * <pre>{@code
 * @Produces @Framewise
 * ThreadFactory framewiseThreads(@Named("analysis") ManagedThreadFactory factory) { return factory; }
 * }</pre>
 *
 * @since 0.1
 */
@Qualifier
@Documented
@Retention(RUNTIME)
@Target({TYPE, METHOD, FIELD, PARAMETER})
public @interface Framewise {}
