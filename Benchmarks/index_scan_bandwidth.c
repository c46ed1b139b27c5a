/* The index's scan kernels at 10^6 x 384-d on two threads, beside plain memory reads of the same bytes: how far
   float32 and int8 brute force are from the memory bandwidth, and what the AVX-512 VNNI int8 kernel gains over the
   AVX2 one it replaced. Each figure is the minimum of 25 runs, the five measurements interleaved so a loaded
   machine slows them alike (docs/INDEX.md, BENCHMARKS.md's index section).

   Build and run from the repository root (old.c is the kernel file with the VNNI dispatch switched off, so
   old_int8 is the AVX2 kernel):
     K=Sources/CIndexKernels
     sed 's/^void fuse_index_int8_scores(/void old_int8(/; s/__builtin_cpu_supports("avx512vnni") \&\&/0 \&\&/;
          s/^void fuse_index_float32_scores(/__attribute__((unused)) static void unused_f32(/' $K/fuse_index_kernels.c > /tmp/old.c
     clang -O3 -pthread -I$K/include Benchmarks/index_scan_bandwidth.c /tmp/old.c $K/fuse_index_kernels.c -o /tmp/scan
     /tmp/scan
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <pthread.h>
#include <time.h>
#include <immintrin.h>
#include "fuse_index_kernels.h"
void old_int8(const int8_t*,const float*,size_t,size_t,const int8_t*,float,float*);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static size_t N=1000000, D=384; static float *F,*Q,*S; static int8_t *C,*QC; static float *SC; static int mode;
typedef struct{size_t a,b;double r;} job;
__attribute__((target("avx512f"))) static double sum512(const float*p,size_t n){__m512 s=_mm512_setzero_ps(),t=s;for(size_t i=0;i+32<=n;i+=32){s=_mm512_add_ps(s,_mm512_loadu_ps(p+i));t=_mm512_add_ps(t,_mm512_loadu_ps(p+i+16));}return _mm512_reduce_add_ps(_mm512_add_ps(s,t));}
static void*w(void*p){job*j=p;switch(mode){
 case 0: fuse_index_float32_scores(F+j->a*D,j->b-j->a,D,Q,S+j->a);break;
 case 1: old_int8(C+j->a*D,SC+j->a,j->b-j->a,D,QC,0.01f,S+j->a);break;
 case 2: fuse_index_int8_scores(C+j->a*D,SC+j->a,j->b-j->a,D,QC,0.01f,S+j->a);break;
 case 3: j->r=sum512(F+j->a*D,(j->b-j->a)*D);break;
 case 4: j->r=sum512((float*)(C+j->a*D),(j->b-j->a)*D/4);break;}
 return 0;}
static double once(int m){mode=m;double t=now();pthread_t th[2];job js[2];for(int i=0;i<2;i++){js[i].a=N*i/2;js[i].b=N*(i+1)/2;pthread_create(th+i,0,w,js+i);}for(int i=0;i<2;i++)pthread_join(th[i],0);return (now()-t)*1e3;}
int main(){F=aligned_alloc(64,N*D*4);C=aligned_alloc(64,N*D);S=malloc(N*4);SC=malloc(N*4);Q=malloc(D*4);QC=malloc(D);
 srand(1);for(size_t i=0;i<N*D;i++){F[i]=rand()/(float)RAND_MAX-0.5f;C[i]=(int8_t)(rand()%255-127);}for(size_t i=0;i<N;i++)SC[i]=0.001f;for(size_t i=0;i<D;i++){Q[i]=0.05f;QC[i]=(int8_t)(i%200-100);}
 double best[5]={1e9,1e9,1e9,1e9,1e9}; int order[5]={0,3,1,2,4}; const char*name[5]={"float32 full scan (old float32 path)","int8 AVX2 vpmaddwd (old int8)","int8 VNNI vpdpbusd (new int8; new float32's scan)","read the 1.536 GB of float32 rows","read the 0.384 GB of int8 rows"};
 for(int r=0;r<25;r++) for(int k=0;k<5;k++){double t=once(order[k]); if(t<best[order[k]])best[order[k]]=t;}
 for(int m=0;m<5;m++) printf("%-52s min of 25: %7.1f ms\n",name[m],best[m]);}
