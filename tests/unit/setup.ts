import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';

// PROD silences tfjs' "install tfjs-node" banner; tests pick the CPU backend explicitly.
tf.env().set('PROD', true);
await tf.setBackend('cpu');
