package tasks

// The default build opens file://, mem:// and s3:// data lakes. gs:// and
// azblob:// are compiled in with the "cloud" build tag (drivers_cloud.go):
// they add tens of MiB to the binary and minutes to a cold build.
import (
	_ "gocloud.dev/blob/fileblob" // file://
	_ "gocloud.dev/blob/memblob"  // mem://
	_ "gocloud.dev/blob/s3blob"   // s3://
)
