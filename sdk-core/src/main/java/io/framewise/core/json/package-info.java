/**
 * The streaming JSON writer of the result document (schema in docs/json-format.md) and its number format.
 * Internal to the module: not exported.
 */
@NullMarked
package io.framewise.core.json;

import org.jspecify.annotations.NullMarked;
