// Facts about the Fashion-MNIST release: file names, upstream checksums, class names.

export const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;

export const CANONICAL_BASE_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com';
export const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

export type DatasetFileKey = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

export interface DatasetFileSpec {
  key: DatasetFileKey;
  /** Decompressed idx file name; the upstream download adds `.gz`. */
  name: string;
  kind: 'images' | 'labels';
  count: number;
  /** MD5 of upstream's `.gz` (Debian recompresses, so only downloads are checked against it). */
  gzMd5: string;
  /** SHA-256 and size of the decompressed idx file: what is actually verified. */
  sha256: string;
  bytes: number;
}

export const DATASET_FILES: readonly DatasetFileSpec[] = [
  {
    key: 'trainImages',
    name: 'train-images-idx3-ubyte',
    kind: 'images',
    count: 60000,
    gzMd5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    bytes: 47040016,
  },
  {
    key: 'trainLabels',
    name: 'train-labels-idx1-ubyte',
    kind: 'labels',
    count: 60000,
    gzMd5: '25c81989df183df01b3e8a0aad5dffbe',
    sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    bytes: 60008,
  },
  {
    key: 'testImages',
    name: 't10k-images-idx3-ubyte',
    kind: 'images',
    count: 10000,
    gzMd5: 'bef4ecab320f06d8554ea6380940ec79',
    sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    bytes: 7840016,
  },
  {
    key: 'testLabels',
    name: 't10k-labels-idx1-ubyte',
    kind: 'labels',
    count: 10000,
    gzMd5: 'bb300cfdad3c16e7a12a480ee83cd310',
    sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
    bytes: 10008,
  },
];

export const DEFAULT_DATA_DIR = 'data/fashion-mnist';
