/**
 * The one merger of a job's results into its document: frame order, summary and accounting, for the
 * unchunked, local chunked and distributed runs alike. Exported for runners outside this module;
 * internal API.
 */
@NullMarked
package io.framewise.core.merge;

import org.jspecify.annotations.NullMarked;
