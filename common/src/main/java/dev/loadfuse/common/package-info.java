/**
 * What every loadfuse module shares and nothing more: no Vert.x, no Kubernetes, no engine or GPU
 * knowledge.
 */
package dev.loadfuse.common;
