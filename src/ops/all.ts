// Importing this module registers every op family.
import './conv.js';
import './elementwise.js';
import './pool.js';
import './shape.js';
import './conv_backward.js';
import './norm.js';
import './elementwise_backward.js';
import './pool_backward.js';
import './loss.js';
import './optim.js';
import './compress_train.js';
