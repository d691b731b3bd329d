// The verified dataset the tests read (`make data`, or FASHION_MNIST_DIR), and the skip reason where it is missing.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

export const DATA = process.env.FASHION_MNIST_DIR ?? 'data/fashion-mnist';

const hasData = await stat(join(DATA, 'manifest.json')).then(
  () => true,
  () => false,
);

/** A test option: false where the dataset is there, else why the test is skipped. */
export const skipWithoutData: string | false = !hasData && `no verified dataset in ${DATA} (run make data)`;
