/* The temporary datasets the suite records into and reads back (bench, profile). */
#ifndef PP_BENCH_TMP_DATASET_H
#define PP_BENCH_TMP_DATASET_H

/* Removes a dataset directory the recorder wrote (windows.csv, meta.json) and the directory. */
void pp_tmp_dataset_remove(const char *dir);

#endif
