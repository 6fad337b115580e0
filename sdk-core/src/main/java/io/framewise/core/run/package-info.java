/**
 * Local runs: the unchunked stream run and the chunked run (segments decoded in parallel, spilled and
 * glued back in frame order), and what both share.
 * Internal to the module: not exported.
 */
@NullMarked
package io.framewise.core.run;

import org.jspecify.annotations.NullMarked;
