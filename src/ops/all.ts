// Importing this module registers every op family.
import './conv.js';
import './elementwise.js';
import './pool.js';
import './shape.js';
import './tensor.js';
import './int8.js';
import './xnor.js';
import './block_sparse.js';
import './conv_backward.js';
import './norm.js';
import './elementwise_backward.js';
import './pool_backward.js';
import './loss.js';
import './optim.js';
import './compress_train.js';
import './resize.js';
import './special.js';
