package main

// containerized says why this process looks like a deployed container ("" when
// it does not): Kubernetes sets KUBERNETES_SERVICE_HOST in every pod, and
// $container is systemd's convention for container managers (Podman sets it,
// and dagworker's image sets it). Docker's /.dockerenv marker is not used on
// purpose: development containers and CI runners have it too, and there the
// embedded Redis is what a person trying dagworker wants.
func containerized(getenv func(string) string) string {
	switch {
	case getenv("KUBERNETES_SERVICE_HOST") != "":
		return "KUBERNETES_SERVICE_HOST is set"
	case getenv("container") != "":
		return "$container is " + getenv("container")
	}
	return ""
}
