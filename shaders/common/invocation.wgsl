// The flat index of an invocation of a 1-D launch. kernels.ts (workgroupsFor) folds a launch longer than
// maxComputeWorkgroupsPerDimension workgroups into a 2-D grid, so i = gid.x + gid.y · (workgroups in x) · WG.
// Needs the override WG (the workgroup size) and the builtins global_invocation_id and num_workgroups of main.
fn invocation_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}
