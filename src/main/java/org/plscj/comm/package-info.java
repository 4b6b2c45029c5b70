/**
 * Collectives for many processes on many machines: the c10d communicator (Gloo, NCCL by reflection), the torchrun
 * contract ({@code DistEnv}), failure agreement and text collectives, the local launcher with restarts and the
 * launcher watch. Imports only {@code tensor}.
 */
package org.plscj.comm;
