/**
 * Collectives for many processes on many machines: the c10d communicator (Gloo, NCCL by reflection), the torchrun
 * contract ({@code DistEnv}), failure agreement and text collectives, the local launcher with restarts, the
 * launcher watch and the elastic rendezvous of the nodes' launchers ({@code Rendezvous}). Imports only {@code tensor}.
 */
package org.plscj.comm;
