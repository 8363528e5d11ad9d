/** Test helpers shared by every module's tests (in this module's test-jar). */
package dev.loadfuse.common.testing;
